check --frobnicate ok_model.gb
