predict ok_pred.gb --data ok_pred.json --draws ok_pred_draws.csv --new ok_pred_new_label.json
