run ok_tree_temps_range.gb --data ok_tree_temps_range.json --draws 10 --warmup 10
