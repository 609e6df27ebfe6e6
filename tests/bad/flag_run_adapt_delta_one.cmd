run ok_model.gb --data ok_data.json --adapt-delta 1
