compare ok_compare_cat.gb ok_compare_cat.gb --data ok_compare_train.json --kfold 1
