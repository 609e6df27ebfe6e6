summary draws_ragged.csv
