"""现场核查: checks an inspector records in the field against a bag or a manifest found there (the field app's
扫描检查): the weight found on a portable scale beside the weight the hub holds, the label's state, photos,
where and when, and a verdict; bound to the enterprise the bag or manifest is of, and shown in its file."""
