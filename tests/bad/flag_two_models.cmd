check ok_model.gb ok_model.gb
