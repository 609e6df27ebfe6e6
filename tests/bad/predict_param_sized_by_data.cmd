predict ok_pred_eta.gb --data ok_pred_eta.json --draws ok_pred_eta_draws.csv --new ok_pred_eta_new.json
