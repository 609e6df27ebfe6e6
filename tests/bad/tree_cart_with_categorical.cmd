run ok_tree_cart_with_categorical.gb --data ok_tree_cart_with_categorical.json --draws 10 --warmup 10
