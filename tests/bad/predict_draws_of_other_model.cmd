predict ok_pred.gb --data ok_pred.json --draws ok_loo_other_model.csv
