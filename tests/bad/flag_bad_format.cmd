graph ok_model.gb --format png
