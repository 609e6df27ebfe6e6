run ok_tree_labels_not_integer.gb --data ok_tree_labels_not_integer.json --draws 10 --warmup 10
