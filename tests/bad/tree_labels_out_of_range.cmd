run ok_tree_labels_out_of_range.gb --data ok_tree_labels_out_of_range.json --draws 10 --warmup 10
