check ok_model.gb --data ok_data.json --data ok_data.json
