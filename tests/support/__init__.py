"""What several test folders share: certificate chains, local servers."""
