check ok_model.gb --format dot
