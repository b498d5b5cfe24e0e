using Gateway;

return await GatewayApp.RunAsync(args);
