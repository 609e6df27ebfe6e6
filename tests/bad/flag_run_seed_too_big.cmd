run ok_model.gb --data ok_data.json --seed 4294967296
