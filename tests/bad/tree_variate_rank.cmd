run ok_tree_variate_rank.gb --data ok_tree_variate_rank.json --draws 10 --warmup 10
