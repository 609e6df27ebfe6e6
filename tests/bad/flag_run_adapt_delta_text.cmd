run ok_model.gb --data ok_data.json --adapt-delta high
