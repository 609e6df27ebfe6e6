optimize ok_model.gb --data ok_data.json --output ok_model.gb
