check ok_model.gb --data no_such.json
