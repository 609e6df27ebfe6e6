run ok_tree_class_with_normal.gb --data ok_tree_class_with_normal.json --draws 10 --warmup 10
