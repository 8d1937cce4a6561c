namespace ActorMTA.Host;
