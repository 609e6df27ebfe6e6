graph ok_model.gb --format gif
