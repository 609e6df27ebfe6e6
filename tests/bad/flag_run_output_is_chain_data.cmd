run ok_model.gb --data ok_data_2.json --chains 2 --warmup 20 --draws 20 --output ok_data.json
