check ok_model.gb --data ok_model.gb
