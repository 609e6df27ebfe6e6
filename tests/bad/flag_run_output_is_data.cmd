run ok_model.gb --data ok_data.json --chains 1 --warmup 20 --draws 20 --output ok_data.json
