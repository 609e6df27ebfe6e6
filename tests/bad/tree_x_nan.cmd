run ok_tree_x_nan.gb --data ok_tree_x_nan.json --draws 10 --warmup 10
