check ok_model.gb --verbose=yes
