from django.apps import AppConfig


class SimulationConfig(AppConfig):
    name = "observatory.simulation"
    label = "simulation"
