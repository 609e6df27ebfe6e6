run ok_model.gb --data ok_data.json --threads 0
