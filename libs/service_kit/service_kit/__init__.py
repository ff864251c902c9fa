"""What every ShopSmart service needs from the web side."""
