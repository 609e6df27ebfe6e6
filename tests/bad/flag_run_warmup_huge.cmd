run ok_model.gb --data ok_data.json --warmup 99999999999999
