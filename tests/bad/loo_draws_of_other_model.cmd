loo ok_loo.gb --data ok_loo.json --draws ok_loo_other_model.csv
