run ok_prior_flat.gb --prior --quiet
