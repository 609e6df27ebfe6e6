run ok_model.gb --data ok_data.json --data-parallel --chains 1
