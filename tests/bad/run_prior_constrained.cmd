run ok_prior_ordered.gb --prior --quiet
