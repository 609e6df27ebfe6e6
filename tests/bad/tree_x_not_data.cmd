run ok_tree_x_not_data.gb --data ok_tree_x_not_data.json --draws 10 --warmup 10
