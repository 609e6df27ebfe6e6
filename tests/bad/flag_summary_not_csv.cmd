summary ok_model.gb
