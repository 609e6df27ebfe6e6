summary no_such_draws.csv
