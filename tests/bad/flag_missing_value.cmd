check ok_model.gb --data
