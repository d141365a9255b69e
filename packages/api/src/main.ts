// The service entry point arrives with the API issue.
export {};
