run ok_tree_logit_refused.gb --data ok_tree_logit_refused.json --draws 10 --warmup 10
