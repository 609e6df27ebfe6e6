summary ok_draws_1.csv draws_other_columns.csv
