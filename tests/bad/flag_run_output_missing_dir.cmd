run ok_model.gb --data ok_data.json --chains 1 --draws 10 --warmup 10 --quiet --output no_such_dir/d.csv
