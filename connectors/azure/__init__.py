"""Azure Cost Management exports (EA and MCA, actual and amortized), and the Retail Prices
API's pay-as-you-go prices for spot VMs."""
