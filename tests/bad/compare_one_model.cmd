compare ok_compare_cat.gb --data ok_compare_train.json
