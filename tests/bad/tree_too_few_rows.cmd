run ok_tree_too_few_rows.gb --data ok_tree_too_few_rows.json --draws 10 --warmup 10
