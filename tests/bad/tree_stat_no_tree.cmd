run ok_tree_stat_no_tree.gb --data ok_tree_stat_no_tree.json --draws 10 --warmup 10
