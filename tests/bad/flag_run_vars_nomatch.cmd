run ok_model.gb --data ok_data.json --vars sigma
