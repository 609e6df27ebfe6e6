compare ok_compare_cat.gb ok_compare_cat.gb --data compare_kfold_lone_class.json --kfold 2 --chains 1 --warmup 50 --draws 50
