compare ok_compare_cat.gb ok_compare_cat.gb --data ok_compare_train.json --test compare_label_outside.json --chains 1 --warmup 50 --draws 50
