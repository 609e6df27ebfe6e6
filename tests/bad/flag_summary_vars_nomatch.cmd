summary ok_draws_1.csv --vars nosuch*
