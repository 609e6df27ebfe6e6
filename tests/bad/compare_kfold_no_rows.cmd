compare ok_compare_norows.gb ok_compare_norows.gb --data ok_compare_train.json --kfold 2 --chains 1 --warmup 50 --draws 50
